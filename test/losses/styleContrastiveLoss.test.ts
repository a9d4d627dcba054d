import { styleContrastiveLoss } from '../../src';
import { describeBackends } from '../helpers/backends';
import { idLossProperties, idLossTests } from './ieContraAst';

describeBackends('styleContrastiveLoss', (backend) => {
  idLossProperties(backend, styleContrastiveLoss, 'styleIds');
  idLossTests(backend, styleContrastiveLoss, 'styleContrastiveLoss', 'styleIds');
});
